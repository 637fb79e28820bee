/* Plain MQTT over the UART: the scenario, then the figures the runner collects. */
#include "board.h"
#include "log.h"
#include "scenario.h"
#include "uart_transport.h"

int main(void)
{
    board_init();
    dev_log("tern on mps2-an386: MQTT over the UART");
    tern_transport uart;
    uart_transport(&uart);
    int failed_step = scenario_run(&uart, NULL);
    dev_log("MEASURE uart_bytes_sent %lu", (unsigned long)uart_bytes_sent());
    dev_log("MEASURE uart_bytes_received %lu", (unsigned long)uart_bytes_received());
    dev_log("MEASURE stack_peak_bytes %lu", (unsigned long)board_stack_peak());
    if (failed_step)
        dev_log("FAILED at step %d", failed_step);
    else
        dev_log("PASSED");
    return failed_step;
}
