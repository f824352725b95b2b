/**
 * A container's health probe (the image has no curl): `node dist/probe.js /ready [port]` asks
 * http://127.0.0.1:<port or $PORT><path> and exits 0 on a 2xx answer, 1 otherwise, printing the
 * answer (its reason) for `docker inspect`.
 */
const path = process.argv[2] ?? '/health';
const port = process.argv[3] ?? process.env.PORT;
if (!port) {
  process.stderr.write('probe.js: no port (give it after the path, or set PORT)\n');
  process.exit(2);
}
fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  async (response) => {
    process.stdout.write(`${response.status} ${(await response.text()).slice(0, 500)}\n`);
    process.exit(response.ok ? 0 : 1);
  },
  (error: Error) => {
    process.stdout.write(`${path} did not answer: ${error.message}\n`);
    process.exit(1);
  },
);
