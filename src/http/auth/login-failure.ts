/** A refused login, for audit and events. The password is never part of it. */
export interface LoginFailure {
  username: string;
  clientIp: string;
  reason: string;
}

/** Calls the reporter; its failure never changes the answer to the client. */
export async function reportLoginFailure(
  report: ((failure: LoginFailure) => unknown) | undefined,
  failure: LoginFailure,
): Promise<void> {
  if (!report) return;
  try {
    await report(failure);
  } catch {
    // Reporting is best effort; the 401 goes out regardless.
  }
}
