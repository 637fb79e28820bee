/* The board: what the rest of the firmware needs from the hardware of QEMU's mps2-an386
 * (Cortex-M4, CMSDK peripherals). Porting to another board means rewriting board.c, the
 * linker script and uart_transport.c's register block; nothing else touches hardware. */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_CPU_HZ 25000000u /* SYSCLK of the AN386 image; SysTick counts it */

/* Start the millisecond clock (SysTick) and the UART to the modem. */
void board_init(void);

/* Milliseconds since board_init; wraps after 49 days (tern handles the wrap). */
uint32_t board_now_ms(void);

/* Nanoseconds of the CPU's clock since board_init, to 1/BOARD_CPU_HZ. Under QEMU's
 * -icount shift=N every instruction takes 2^N ns, so a difference of two readings taken while
 * the CPU never slept is an instruction count. */
uint64_t board_now_ns(void);

/* Sleep (WFI) until an interrupt: a received byte or the next millisecond tick. */
void board_idle(void);

/* Bytes of stack used at the deepest point since reset: the stack is painted at reset and
 * this finds where the paint ends. */
size_t board_stack_peak(void);

/* Bytes of RAM the heap (malloc's arena) has taken at most since reset. */
size_t board_heap_arena(void);

/* End the program with this status (semihosting: QEMU exits with it). */
void board_exit(int status) __attribute__((noreturn));

#endif
