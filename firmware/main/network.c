#include "network.h"

#include "esp_check.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "sdkconfig.h"

#if CONFIG_EEI_NETWORK_WIFI
#include <string.h>

#include "esp_wifi.h"
#include "nvs_flash.h"
#else
#include "esp_eth.h"
#include "esp_eth_mac_openeth.h"
#endif

static const char *TAG = "network";
#define GOT_IP_TIMEOUT_MS 30000

static SemaphoreHandle_t s_got_ip;
static volatile bool s_has_ip;
static esp_err_t s_started = ESP_ERR_INVALID_STATE; /* the interface's start, once */

static void on_got_ip(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    const ip_event_got_ip_t *event = data;
    ESP_LOGI(TAG, "got IP " IPSTR, IP2STR(&event->ip_info.ip));
    s_has_ip = true;
    xSemaphoreGive(s_got_ip);
}

static void on_lost_ip(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    ESP_LOGW(TAG, "lost the IP address");
    s_has_ip = false;
    xSemaphoreTake(s_got_ip, 0); /* a later wait is for the next address */
}

#if CONFIG_EEI_NETWORK_WIFI

static void on_disconnected(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    ESP_LOGW(TAG, "Wi-Fi disconnected: reconnecting");
    esp_wifi_connect();
}

static esp_err_t start_interface(void)
{
    esp_err_t err = nvs_flash_init(); /* Wi-Fi keeps its calibration data in NVS */
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_RETURN_ON_ERROR(nvs_flash_erase(), TAG, "nvs_flash_erase");
        err = nvs_flash_init();
    }
    ESP_RETURN_ON_ERROR(err, TAG, "nvs_flash_init");
    esp_netif_create_default_wifi_sta();
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    ESP_RETURN_ON_ERROR(esp_wifi_init(&init), TAG, "esp_wifi_init");
    ESP_RETURN_ON_ERROR(
        esp_event_handler_register(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, on_disconnected, NULL),
        TAG, "event handler");
    ESP_RETURN_ON_ERROR(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_got_ip, NULL),
                        TAG, "event handler");
    ESP_RETURN_ON_ERROR(
        esp_event_handler_register(IP_EVENT, IP_EVENT_STA_LOST_IP, on_lost_ip, NULL), TAG,
        "event handler");
    wifi_config_t config = {0};
    strlcpy((char *)config.sta.ssid, CONFIG_EEI_WIFI_SSID, sizeof(config.sta.ssid));
    strlcpy((char *)config.sta.password, CONFIG_EEI_WIFI_PASSWORD, sizeof(config.sta.password));
    ESP_RETURN_ON_ERROR(esp_wifi_set_mode(WIFI_MODE_STA), TAG, "esp_wifi_set_mode");
    ESP_RETURN_ON_ERROR(esp_wifi_set_config(WIFI_IF_STA, &config), TAG, "esp_wifi_set_config");
    ESP_RETURN_ON_ERROR(esp_wifi_start(), TAG, "esp_wifi_start");
    ESP_LOGI(TAG, "connecting to Wi-Fi network %s", CONFIG_EEI_WIFI_SSID);
    return esp_wifi_connect();
}

#else /* CONFIG_EEI_NETWORK_OPENETH */

static esp_err_t start_interface(void)
{
    esp_netif_config_t netif_config = ESP_NETIF_DEFAULT_ETH();
    esp_netif_t *netif = esp_netif_new(&netif_config);
    eth_mac_config_t mac_config = ETH_MAC_DEFAULT_CONFIG();
    eth_phy_config_t phy_config = ETH_PHY_DEFAULT_CONFIG();
    phy_config.autonego_timeout_ms = 100; /* the emulated PHY answers at once */
    esp_eth_mac_t *mac = esp_eth_mac_new_openeth(&mac_config);
    esp_eth_phy_t *phy = esp_eth_phy_new_generic(&phy_config);
    esp_eth_config_t config = ETH_DEFAULT_CONFIG(mac, phy);
    esp_eth_handle_t eth = NULL;
    ESP_RETURN_ON_ERROR(esp_eth_driver_install(&config, &eth), TAG, "esp_eth_driver_install");
    ESP_RETURN_ON_ERROR(esp_netif_attach(netif, esp_eth_new_netif_glue(eth)), TAG, "attach");
    ESP_RETURN_ON_ERROR(esp_event_handler_register(IP_EVENT, IP_EVENT_ETH_GOT_IP, on_got_ip, NULL),
                        TAG, "event handler");
    ESP_RETURN_ON_ERROR(
        esp_event_handler_register(IP_EVENT, IP_EVENT_ETH_LOST_IP, on_lost_ip, NULL), TAG,
        "event handler");
    ESP_LOGI(TAG, "starting Ethernet (OpenCores MAC)");
    return esp_eth_start(eth);
}

#endif

esp_err_t network_connect(void)
{
    if (s_started == ESP_ERR_INVALID_STATE) {
        s_got_ip = xSemaphoreCreateBinary();
        s_started = s_got_ip ? start_interface() : ESP_ERR_NO_MEM;
    }
    if (s_started != ESP_OK) {
        return s_started; /* an interface that would not start does not start later */
    }
    if (s_has_ip) {
        return ESP_OK;
    }
    if (xSemaphoreTake(s_got_ip, pdMS_TO_TICKS(GOT_IP_TIMEOUT_MS)) != pdTRUE) {
        ESP_LOGE(TAG, "no IP address after %d s", GOT_IP_TIMEOUT_MS / 1000);
        return ESP_ERR_TIMEOUT;
    }
    return ESP_OK;
}
