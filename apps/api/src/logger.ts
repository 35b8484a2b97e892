// Structured logs: pino JSON to stdout; one logger per process, children per component.
import pino, { type DestinationStream, type Logger } from "pino";

export function createLogger(level: string, service: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      // Fastify's request serializer logs no headers; these hold if a log line ever carries them
      // (API keys, session tokens and the console's internal token travel as Bearer credentials).
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-api-key"]',
        "*.headers.authorization",
        "*.headers.cookie",
        '*.headers["set-cookie"]',
        "password",
        "*.password",
        "apiKey",
        "*.apiKey",
        "secret",
        "*.secret",
        "token",
        "*.token",
      ],
      remove: true,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
