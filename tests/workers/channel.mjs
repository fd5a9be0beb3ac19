// channel.mjs - request/reply over a worker's messages, for scenario.mjs: each command carries an
// id and the reply with that id settles its promise. No Node imports.
//   post(message)      sends to the worker
//   subscribe(onReply) registers the function that receives every reply
export function channel(post, subscribe) {
  let next = 1;
  const waiting = new Map();
  subscribe((reply) => {
    const settle = waiting.get(reply.id);
    waiting.delete(reply.id);
    settle?.(reply);
  });
  return (command) => new Promise((settle) => {
    const id = next++;
    waiting.set(id, settle);
    post({ ...command, id });
  });
}
