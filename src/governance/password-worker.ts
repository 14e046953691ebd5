import { parentPort, workerData } from "node:worker_threads";
import { hashPassword } from "./password.ts";

// preparePasswords' thread: hashes the passwords it is given one after another, sending each hash as it is made.
const port = parentPort;
if (port) {
  const passwords = workerData as string[];
  for (let index = 0; index < passwords.length; index++)
    port.postMessage({ index, hash: await hashPassword(passwords[index]) });
}
