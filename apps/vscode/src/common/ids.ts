/** Command, view, context-key and secret ids; package.json declares the same strings. */
export const COMMANDS = {
  signIn: 'aicredits.signIn',
  signOut: 'aicredits.signOut',
  startCodingSession: 'aicredits.startCodingSession',
  refresh: 'aicredits.refresh',
  showDetails: 'aicredits.showDetails',
  addFunds: 'aicredits.addFunds',
  askAdmin: 'aicredits.askAdmin',
  setSessionServerKey: 'aicredits.setSessionServerKey',
  openSettings: 'aicredits.openSettings',
} as const;

export const VIEW_CONTAINER_ID = 'aicredits';
export const CREDITS_VIEW_ID = 'aicredits.credits';
/** Explicit id: code-server renders it as DOM id `aicredits.aicredits-vscode.aicredits.balance`. */
export const STATUS_BAR_ITEM_ID = 'aicredits.balance';
export const SIGNED_IN_CONTEXT_KEY = 'aicredits.signedIn';

export const SECRET_MEMBER_TOKEN = 'aicredits.memberToken';
/** Stop-gap while the API lets only server keys reserve; see the README. */
export const SECRET_SESSION_SERVER_KEY = 'aicredits.sessionServerKey';

export const PENDING_SESSIONS_STATE_KEY = 'aicredits.pendingSessions';
