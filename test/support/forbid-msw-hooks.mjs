// Module resolution hooks that make loading msw fail, to prove a process runs without it.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'msw' || specifier.startsWith('msw/')) {
    throw new Error(`msw must not load in this process (imported by ${context.parentURL})`);
  }
  return nextResolve(specifier, context);
}
