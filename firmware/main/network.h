/*
 * The firmware's network, chosen in menuconfig: a Wi-Fi station on hardware, or Ethernet on the
 * OpenCores MAC that QEMU's esp32c3 machine emulates (sdkconfig.qemu).
 */
#pragma once

#include "esp_err.h"

/* Bring the interface up and wait for an IPv4 address (esp_netif and the event loop are up). */
esp_err_t network_connect(void);
