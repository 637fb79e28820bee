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
    return scenario_finish(scenario_run(&uart, NULL));
}
