#include "key_files.h"

#include "fileio.h"

int key_file_write(const char *path, const uint8_t *data, size_t len, bool secret, bool text,
                   bool force, eei_error *err)
{
    output_options opts = {.mode = secret ? 0600 : 0644, .no_clobber = !force, .seekable = false};
    opts.text = text;
    output_file out;
    if (output_open(&out, path, &opts, err) != 0) {
        return -1;
    }
    if (output_write(&out, data, len, err) != 0) {
        output_abort(&out);
        return -1;
    }
    return output_commit(&out, err);
}

/* Two files written with so and po, committed together (output_commit_pair). */
static int pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                      const output_options *so, const char *public_path, const uint8_t *pub,
                      size_t pub_len, const output_options *po, eei_error *err)
{
    output_file s, p;
    if (output_open(&s, secret_path, so, err) != 0) {
        return -1;
    }
    if (output_open(&p, public_path, po, err) != 0) {
        output_abort(&s);
        return -1;
    }
    if (output_write(&s, secret, secret_len, err) != 0 ||
        output_write(&p, pub, pub_len, err) != 0) {
        output_abort(&s);
        output_abort(&p);
        return -1;
    }
    return output_commit_pair(&s, &p, err);
}

int key_pair_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                   const char *public_path, const uint8_t *pub, size_t pub_len, bool force,
                   eei_error *err)
{
    output_options so = {.mode = 0600, .no_clobber = !force, .seekable = false};
    output_options po = {.mode = 0644, .no_clobber = !force, .seekable = false};
    return pair_write(secret_path, secret, secret_len, &so, public_path, pub, pub_len, &po, err);
}

int key_with_file_write(const char *secret_path, const uint8_t *secret, size_t secret_len,
                        const char *file_path, const uint8_t *data, size_t len, bool force,
                        eei_error *err)
{
    output_options so = {.mode = 0600, .no_clobber = true, .seekable = false};
    output_options fo = {.mode = 0644, .no_clobber = !force, .seekable = false};
    return pair_write(secret_path, secret, secret_len, &so, file_path, data, len, &fo, err);
}
