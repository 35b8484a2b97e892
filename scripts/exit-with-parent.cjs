// Preloaded into the console by `npm start`: when its parent dies, even by SIGKILL, the IPC channel
// closes and the console exits instead of holding its port for the next start.
process.on("disconnect", () => process.exit(0));
