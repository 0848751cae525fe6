// Says so, then allocates (and touches) memory at start until the kernel kills it for its limit.
console.log("allocating until killed");
const held = [];
for (;;) held.push(Buffer.alloc(16 * 1024 * 1024, 1));
