// Crashes at start, as an app with a missing setting would.
console.error("fatal: DATABASE_URL is not set");
process.exit(3);
