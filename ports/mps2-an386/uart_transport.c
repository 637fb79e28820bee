/* tern_transport over UART0 of the AN386 (an ARM CMSDK APB UART), see uart_transport.h.
 *
 * Flow control without lost bytes: when the ring buffer is full the RX interrupt handler
 * switches itself off and leaves the byte in the UART; the transmitter of the other side
 * (QEMU, or a modem honouring RTS) then waits. recv() switches it back on once it made room. On
 * real hardware with a FIFO, deassert RTS instead. */
#include "uart_transport.h"

#include "board.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define UART0_BASE 0x40004000u
#define UART_DATA REG32(UART0_BASE + 0x00u)
#define UART_STATE REG32(UART0_BASE + 0x04u)
#define UART_CTRL REG32(UART0_BASE + 0x08u)
#define UART_INTCLEAR REG32(UART0_BASE + 0x0Cu)
#define UART_BAUDDIV REG32(UART0_BASE + 0x10u)
#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_IRQ_EN 0x8u
#define INT_RX 0x2u
#define NVIC_ISER0 REG32(0xE000E100u)
#define NVIC_ISPR0 REG32(0xE000E200u)
#define UART0_RX_IRQ 0u
#define BAUD 115200u

#define RING_SIZE 1024u /* a power of two */
static uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head, ring_tail; /* head: written by the IRQ; tail: by recv */
static uint32_t sent, received;

void Uart0Rx_Handler(void);
void Uart0Rx_Handler(void)
{
    UART_INTCLEAR = INT_RX; /* first: a byte arriving during the drain raises it again */
    while (UART_STATE & STATE_RX_FULL) {
        if (ring_head - ring_tail == RING_SIZE) { /* full: hold the byte in the UART */
            UART_CTRL &= ~CTRL_RX_IRQ_EN;
            return;
        }
        ring[ring_head % RING_SIZE] = (uint8_t)UART_DATA;
        ring_head++;
    }
}

void uart_init(void)
{
    UART_BAUDDIV = BOARD_CPU_HZ / BAUD;
    UART_CTRL = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_IRQ_EN;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
}

/* The handler paused (the ring was full) and left a byte in the UART: no new byte can arrive
 * to raise the interrupt again, so raise it by hand once there is room. */
static void resume_rx(void)
{
    if (UART_CTRL & CTRL_RX_IRQ_EN) return;
    UART_CTRL |= CTRL_RX_IRQ_EN;
    NVIC_ISPR0 = 1u << UART0_RX_IRQ;
}

uint32_t uart_bytes_sent(void) { return sent; }
uint32_t uart_bytes_received(void) { return received; }

/* The link is the modem's. After a connection ends the modem needs time to hang up and dial
 * again (QEMU: its reconnect option, 1 s): bytes sent before would be lost or, worse, reach
 * the next connection cut in half. So open() waits out that guard time, then drops whatever
 * is left from the earlier connection. */
#define REDIAL_GUARD_MS 1500u
static uint32_t closed_at_ms;
static uint8_t was_closed;

static int redialling(void) { return was_closed && board_now_ms() - closed_at_ms < REDIAL_GUARD_MS; }

static tern_status uart_open(void *ctx)
{
    (void)ctx;
    if (redialling()) return TERN_WOULD_BLOCK;
    was_closed = 0;
    ring_tail = ring_head;
    resume_rx();
    return TERN_OK;
}

static int32_t uart_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = 0;
    while (n < len && !(UART_STATE & STATE_TX_FULL)) UART_DATA = buf[n++];
    sent += (uint32_t)n;
    return (int32_t)n;
}

static int32_t uart_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = 0;
    while (n < len && ring_tail != ring_head) {
        buf[n++] = ring[ring_tail % RING_SIZE];
        ring_tail++;
    }
    if (n) resume_rx();
    received += (uint32_t)n;
    return (int32_t)n;
}

static void uart_close(void *ctx)
{
    (void)ctx;
    closed_at_ms = board_now_ms();
    was_closed = 1;
}

/* For tern's blocking layer: sleep until a byte is in the ring (or, for writing, the line is
 * up again) or the time is up. The transmitter is polled, so writing needs no other wait. */
static tern_status uart_wait(void *ctx, int want_write, uint32_t timeout_ms)
{
    (void)ctx;
    uint32_t start = board_now_ms();
    while (redialling() || (!want_write && ring_tail == ring_head)) {
        if (board_now_ms() - start >= timeout_ms) return TERN_ERR_TIMEOUT;
        board_idle();
    }
    return TERN_OK;
}

void uart_transport(tern_transport *out)
{
    *out = (tern_transport){0};
    out->open = uart_open;
    out->send = uart_send;
    out->recv = uart_recv;
    out->close = uart_close;
    out->wait = uart_wait;
}
