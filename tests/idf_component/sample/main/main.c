/* The app of a project that adds the esp_enc_img component: nothing in it knows. */
#include <stdio.h>

void app_main(void)
{
    printf("sample_app\n");
}
