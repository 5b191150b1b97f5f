// Why the native addon cannot load here (a reason for tap's skip), or null when it can.
export function nativeUnavailable(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('../../src/native').native();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
