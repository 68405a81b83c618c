/* test_keyset.c: the capped set of 16-byte keys (common/keyset.h): new and
 * repeated keys, the all-zero key, growth past many doublings, the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "common/keyset.h"

static void key_of(uint32_t i, uint8_t a[KEYSET_KEY_LEN]) {
  memset(a, 0, KEYSET_KEY_LEN);
  memcpy(a + 12, &i, 4); /* sequential keys differing in the last bytes only */
}

static void test_add_and_repeat(void **state) {
  (void)state;
  keyset s;
  keyset_init(&s, 100000);
  uint8_t a[KEYSET_KEY_LEN];
  int bNew;
  for(uint32_t i = 0; i < 100000; i++) {
    key_of(i, a);
    assert_int_equal(keyset_add(&s, a, &bNew), AIRC_OK);
    assert_int_equal(bNew, 1);
  }
  for(uint32_t i = 0; i < 100000; i += 7) {
    key_of(i, a);
    assert_int_equal(keyset_add(&s, a, &bNew), AIRC_OK);
    assert_int_equal(bNew, 0);
  }
  /* key 0 is the all-zero key: held apart from the table */
  assert_int_equal(s.bZero, 1);
  assert_int_equal(s.nKey, 99999);
  /* never more slots than the cap needs: 100000 keys at 3/4 load */
  assert_true(s.nSlot <= 262144);
  keyset_free(&s);
}

static void test_cap(void **state) {
  (void)state;
  keyset s;
  keyset_init(&s, 3);
  uint8_t a[KEYSET_KEY_LEN];
  int bNew;
  for(uint32_t i = 1; i <= 3; i++) {
    key_of(i, a);
    assert_int_equal(keyset_add(&s, a, &bNew), AIRC_OK);
  }
  key_of(4, a);
  assert_int_equal(keyset_add(&s, a, &bNew), AIRC_ERR_TOOBIG);
  assert_int_equal(bNew, 0);
  key_of(0, a);
  assert_int_equal(keyset_add(&s, a, &bNew), AIRC_ERR_TOOBIG);
  key_of(2, a); /* a repeat is still recognised at the cap */
  assert_int_equal(keyset_add(&s, a, &bNew), AIRC_OK);
  assert_int_equal(bNew, 0);
  keyset_free(&s);
  /* usable again after free */
  assert_int_equal(keyset_add(&s, a, &bNew), AIRC_OK);
  assert_int_equal(bNew, 1);
  keyset_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_and_repeat),
      cmocka_unit_test(test_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
