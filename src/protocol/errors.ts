// Error classes of the link: board-reported errors, resets, timeouts, closed links, bad replies.

import { errorCodeName, msgTypeName } from './constants';

/** The board answered with an ERROR frame. */
export class BoardError extends Error {
  readonly codeName: string;
  readonly requestName: string;
  constructor(
    readonly code: number,
    readonly requestType: number,
    readonly detail: number,
    readonly text: string,
  ) {
    const codeName = errorCodeName(code);
    const requestName = msgTypeName(requestType);
    super(`board refused ${requestName}: ${codeName} (detail ${detail})${text ? `: ${text}` : ''}`);
    this.name = 'BoardError';
    this.codeName = codeName;
    this.requestName = requestName;
  }
}

/** The board sent BOOT while a request was outstanding: its arena and state are gone. */
export class BoardResetError extends Error {
  constructor(readonly requestName: string) {
    super(`board reset (BOOT received) during ${requestName}; arena contents lost`);
    this.name = 'BoardResetError';
  }
}

/** No valid reply after every retry. */
export class LinkTimeoutError extends Error {
  constructor(
    readonly requestName: string,
    readonly tries: number,
    readonly where: string,
  ) {
    super(`no valid reply to ${requestName} from ${where} after ${tries} tries`);
    this.name = 'LinkTimeoutError';
  }
}

/** The transport closed (or was closed) with requests pending. */
export class LinkClosedError extends Error {
  constructor(where: string, cause?: Error) {
    super(`link to ${where} closed${cause ? `: ${cause.message}` : ''}`);
    this.name = 'LinkClosedError';
  }
}

/** A reply that passed its CRC but does not make sense (wrong length, wrong echo). */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Data did not verify (CRC of a written or read region mismatched). */
export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}
