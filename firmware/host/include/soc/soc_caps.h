/* Host port: the simulated chip has the HMAC peripheral (like ESP32-C3/S3/C6). */
#pragma once

#define SOC_HMAC_SUPPORTED 1
