/* Board support for mps2-an386: the SysTick millisecond clock, sleep, exit, and the heap
 * behind malloc (newlib-nano's _sbrk). The UART lives in uart_transport.c. */
#include <errno.h>
#include <stdint.h>

#include "board.h"
#include "semihost.h"
#include "uart_transport.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG32(0xE000E010u) /* control and status */
#define SYST_RVR REG32(0xE000E014u) /* reload value */
#define SYST_CVR REG32(0xE000E018u) /* current value, counts down */
#define SYST_ENABLE_TICKINT_CPUCLK 0x7u
#define CYCLES_PER_MS (BOARD_CPU_HZ / 1000u)

static volatile uint32_t ms_ticks;

void SysTick_Handler(void);
void SysTick_Handler(void) { ms_ticks++; }

void board_init(void)
{
    SYST_RVR = CYCLES_PER_MS - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_ENABLE_TICKINT_CPUCLK;
    uart_init();
}

uint32_t board_now_ms(void) { return ms_ticks; }

uint64_t board_now_ns(void)
{
    uint32_t ms, left;
    do { /* a tick between the two reads would pair a new count with an old millisecond */
        ms = ms_ticks;
        left = SYST_CVR;
    } while (ms != ms_ticks);
    uint64_t cycles = (uint64_t)ms * CYCLES_PER_MS + (CYCLES_PER_MS - 1u - left);
    return cycles * (1000000000u / BOARD_CPU_HZ);
}

void board_idle(void) { __asm__ volatile("wfi"); }

void board_exit(int status) { semihost_exit(status); }

/* newlib-nano's malloc grows its arena through _sbrk: hand out the RAM between the end of
 * .bss and the end of RAM (the linker script's __heap_start and __heap_end). */
extern char __heap_start[], __heap_end[];
static char *brk = __heap_start, *brk_highest = __heap_start;

size_t board_heap_arena(void) { return (size_t)(brk_highest - __heap_start); }

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    if (incr > __heap_end - brk || incr < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = brk;
    brk += incr;
    if (brk > brk_highest) brk_highest = brk;
    return old;
}
