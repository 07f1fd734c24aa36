/*
 * ctl.h - the control socket server's settings beyond mgmt.h's sw_ctl_*
 * (server.c; docs/control-protocol.md).
 */
#ifndef SW_MGMT_CTL_H
#define SW_MGMT_CTL_H

#include "mgmt/mgmt.h"

#define SW_CTL_IDLE_DEFAULT 300 /* seconds */

/*
 * Close a client that has nothing running and has sent or received nothing
 * for `secs` (also one that does not read what it asked for); default
 * SW_CTL_IDLE_DEFAULT.
 */
void sw_ctl_set_idle_timeout(struct sw_ctl *c, unsigned secs);

#endif
