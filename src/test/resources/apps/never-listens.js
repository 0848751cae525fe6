// Runs but never opens its port.
console.log("doing something else entirely");
setInterval(() => {}, 1000);
