// Property tests print their seed and replay one with TH_SEED=N: importing this sets fast-check's
// global seed (TH_SEED, else a fresh one) for every fc.assert without its own, and fcSeed(n)
// gives an fc.assert with a fixed seed the same override.
import fc from 'fast-check';

const env = process.env.TH_SEED;
if (env !== undefined && !/^-?\d+$/.test(env)) throw new Error(`TH_SEED=${env}: expected an integer`);
const globalSeed = env !== undefined ? Number(env) | 0 : (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) | 0;
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: globalSeed });
process.stdout.write(`# fast-check seed ${globalSeed}${env !== undefined ? ' (from TH_SEED)' : ''}; replay a failure with TH_SEED=<seed>\n`);

/** The seed of an fc.assert that has a fixed one: TH_SEED wins, and the seed used is printed. */
export function fcSeed(fixed: number): number {
  const seed = env !== undefined ? globalSeed : fixed;
  process.stdout.write(`# fast-check seed ${seed}; replay with TH_SEED=${seed}\n`);
  return seed;
}
