/* A tern_transport over a UART: the byte stream of a modem in transparent mode (here QEMU
 * joins the UART to a TCP connection to the broker). Received bytes are taken by the RX
 * interrupt into a ring buffer; sending polls the transmitter. The UART carries no "link lost"
 * signal, so the device learns that the broker went away from MQTT itself: the keep-alive and
 * the CONNACK timeout (tern_connect_options.keep_alive, connect_timeout_ms). */
#ifndef UART_TRANSPORT_H
#define UART_TRANSPORT_H

#include <stdint.h>

#include "tern/transport.h"

/* Enable the UART (115200 8N1 on real hardware) and its receive interrupt. */
void uart_init(void);

/* Fill out with the UART transport (it has one UART, so no context). */
void uart_transport(tern_transport *out);

/* Bytes sent and received since uart_init, for measurements. */
uint32_t uart_bytes_sent(void);
uint32_t uart_bytes_received(void);

#endif
