/** What every credential hands back: the bearer token and when it stops working. */
export interface AccessToken {
  readonly token: string;
  /** From the local time the request started + `expires_in` (or the endpoint's `expires_on`). */
  readonly expiresOn: Date;
}
