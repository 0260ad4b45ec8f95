/* Host port: the project's Kconfig values the shared firmware code reads. */
#pragma once

#define CONFIG_EEI_OTA_BUFFER_SIZE 4096
