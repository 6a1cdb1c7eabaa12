// node --import ./test/support/forbid-msw.mjs …: any import of msw in this process throws.
import { register } from 'node:module';

register('./forbid-msw-hooks.mjs', import.meta.url);
