/**
 * Run `body` with the environment variables in `env` set (or unset, for `undefined`), and put
 * every one of them back as it was afterwards, whatever `body` does.
 */
export async function withEnv<T>(
  env: Readonly<Record<string, string | undefined>>,
  body: () => T | Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(env);
  try {
    return await body();
  } finally {
    set(saved);
  }
}
