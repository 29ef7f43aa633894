import pino, { type Logger } from 'pino';

/** One logger shape for every process; citizen IDs and secrets never reach the log. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'lantai' },
    redact: { paths: ['req.headers.authorization', 'password', '*.password', 'citizenId', '*.citizenId', 'token'], censor: '[redacted]' },
  });
}
