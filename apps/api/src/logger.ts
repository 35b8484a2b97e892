// Structured logs: pino JSON to stdout; one logger per process, children per component.
import pino, { type Logger } from "pino";

export function createLogger(level: string, service: string): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "password", "*.password"],
      remove: true,
    },
  });
}
