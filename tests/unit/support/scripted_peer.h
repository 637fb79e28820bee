/* A scripted broker on the other side of an in-memory transport, for engine unit tests.
 * It records what the client sends and feeds it what the test queues, all at once, one byte
 * per read, or with "would block" injected before every read and write. */
#ifndef TERN_TEST_SCRIPTED_PEER_H
#define TERN_TEST_SCRIPTED_PEER_H

#include "tern/client.h"

enum { PEER_ALL_AT_ONCE, PEER_BYTE_BY_BYTE, PEER_WOULD_BLOCK };
#define PEER_MODES 3
#define PEER_BUF 65536

typedef struct {
    uint8_t sent[PEER_BUF];   /* what the client sent */
    size_t sent_len, sent_pos;
    uint8_t feed[PEER_BUF];   /* what the broker sends */
    size_t feed_len, feed_pos;
    int mode;
    unsigned calls;
    int closed;               /* peer closed: reads and writes fail */
    int opens;
    uint32_t now;             /* the fake clock, ms */
} scripted_peer;

void peer_init(scripted_peer *p, int mode);
/* A transport whose context is p; its wait advances the fake clock. */
void peer_transport(scripted_peer *p, tern_transport *t);
uint32_t peer_clock(void *ctx);

/* Queue broker packets. */
void peer_feed(scripted_peer *p, const uint8_t *bytes, size_t n);
void peer_feed_connack(scripted_peer *p, tern_mqtt_version v, int session_present, uint8_t code);
void peer_feed_ack(scripted_peer *p, tern_mqtt_version v, uint8_t type, uint16_t id);
void peer_feed_publish(scripted_peer *p, tern_mqtt_version v, const char *topic, const char *payload,
                       uint8_t qos, uint16_t id, int dup);

/* Pop the next whole packet the client sent: its type (0 when there is none). */
uint8_t peer_next(scripted_peer *p, const uint8_t **pkt, size_t *len);
/* Pop packets until one of type `type`; fails the test when there is none. */
const uint8_t *peer_expect(scripted_peer *p, uint8_t type, size_t *len);

/* Drive the client until the feed is consumed and nothing moves (bounded). */
tern_status peer_pump(scripted_peer *p, tern_client *c);

#endif
