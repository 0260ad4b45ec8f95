/* Host port: the project's configuration as the simulated device runs it (sdkconfig.defaults). */
#pragma once

#define CONFIG_EEI_OTA_BUFFER_SIZE 4096
#define CONFIG_EEI_RESUME_ATTEMPTS 5
#define CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE 1
