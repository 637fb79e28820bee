/* Reset and the vector table: what runs before main. The core loads the initial stack
 * pointer and the reset vector from the table at address 0; Reset_Handler copies .data from
 * flash, zeroes .bss, paints the unused stack (board_stack_peak measures it later) and calls
 * main. Faults end the run with a distinct exit status instead of hanging. */
#include <stdint.h>

#include "board.h"
#include "semihost.h"

extern uint32_t __stack_bottom[], __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Unused_Handler(void);
void SysTick_Handler(void);
void Uart0Rx_Handler(void);

#define STACK_PAINT 0xA5A5A5A5u
enum { EXIT_FAULT = 90, EXIT_UNEXPECTED_IRQ = 91 };

void Reset_Handler(void)
{
    for (uint32_t *dst = __data_start, *src = __data_load; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_bottom; p < sp - 16;) *p++ = STACK_PAINT;
    board_exit(main());
}

size_t board_stack_peak(void)
{
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (size_t)((const uint8_t *)__stack_top - (const uint8_t *)p);
}

void Fault_Handler(void)
{
    semihost_write("fault: hard fault, memory, bus or usage fault\n");
    semihost_exit(EXIT_FAULT);
}

void Unused_Handler(void)
{
    semihost_write("fault: an interrupt without a handler\n");
    semihost_exit(EXIT_UNEXPECTED_IRQ);
}

/* 16 system exceptions, then the AN386's external interrupts (UART0 RX is IRQ 0). */
typedef void (*vector)(void);
__attribute__((section(".vectors"), used)) static const vector vectors[16 + 32] = {
    (vector)(uintptr_t)__stack_top, Reset_Handler,
    Fault_Handler,  /* NMI */
    Fault_Handler,  /* HardFault */
    Fault_Handler,  /* MemManage */
    Fault_Handler,  /* BusFault */
    Fault_Handler,  /* UsageFault */
    0, 0, 0, 0,
    Unused_Handler, /* SVCall */
    Unused_Handler, /* DebugMonitor */
    0,
    Unused_Handler, /* PendSV */
    SysTick_Handler,
    Uart0Rx_Handler, /* IRQ 0 */
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler, Unused_Handler,
    Unused_Handler,
};
