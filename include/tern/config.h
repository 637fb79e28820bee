/* tern build configuration: every feature switch lives here, each with a default.
 * Override with -D on the compiler command line or by defining TERN_CONFIG_FILE
 * to a header of your own that is included first. */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#ifdef TERN_CONFIG_FILE
#include TERN_CONFIG_FILE
#endif

/* MQTT 5.0 support (properties, reason codes, AUTH). 0 = MQTT 3.1.1 only. */
#ifndef TERN_CFG_MQTT5
#define TERN_CFG_MQTT5 1
#endif

/* QoS 2 (PUBREC/PUBREL/PUBCOMP flows). 0 = QoS 0 and 1 only. */
#ifndef TERN_CFG_QOS2
#define TERN_CFG_QOS2 1
#endif

/* Human-readable strings for tern_status. 0 = tern_status_str() returns "". */
#ifndef TERN_CFG_STATUS_STRINGS
#define TERN_CFG_STATUS_STRINGS 1
#endif

#endif
