/*
 * The firmware's network, chosen in menuconfig: a Wi-Fi station on hardware, or Ethernet on the
 * OpenCores MAC that QEMU's esp32c3 machine emulates (sdkconfig.qemu).
 */
#pragma once

#include "esp_err.h"

/*
 * Bring the interface up (the first call) and wait up to 30 s for an IPv4 address, or return at
 * once while there is one (esp_netif and the event loop are up). Wi-Fi reconnects by itself.
 */
esp_err_t network_connect(void);
