/*
 * alert.h - telling the station's people what cannot wait (issue 16
 * item 3): a referral, township call or assistance request that has just
 * arrived for this unit, and an obligation of this unit entering its last
 * day (its last 4 hours for a rule of a day or less, at once for
 * "immediately").
 *
 * Each alert is said once: kept in the database (meta "alerts", the last
 * ALERT_KEEP, for `liandong alerts` and the console's badge), logged,
 * and, unless turned off, shown as a desktop notification through
 * notify-send (freedesktop notifications). Its text names the record,
 * its type and what is owed by when, never a complainant's identity.
 * `liandong daemon` looks after every sync; `liandong alerts --check`
 * looks once. A look reads the events taken in since the one before and
 * the records holding an open obligation of this unit, not every record
 * (alert.c says how, and when it reads them all).
 */
#ifndef LD_ALERT_H
#define LD_ALERT_H

struct cmd_ctx;

#define ALERT_KEEP 100

/* Looks for what to alert about now and raises each alert not raised
 * before; desktop: also as a desktop notification. *raised gets how
 * many. Returns 0 or an exit code (message printed); what it keeps is
 * written in one transaction. */
int alert_check(struct cmd_ctx *ctx, int desktop, int *raised);

/* agent.conf's [alerts] show: 1 desktop (the default), 0 quiet (kept
 * and logged only), -1 off (none at all). */
int alert_mode(struct cmd_ctx *ctx);

#endif
