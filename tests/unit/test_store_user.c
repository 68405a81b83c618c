/* test_store_user.c: unit tests of store/store_user.c on a temporary
 * SQLite store: insert, duplicate -> AIRC_ERR_EXISTS, get by name and id,
 * the ordered list, is_empty, delete (and NOTFOUND), and web sessions:
 * insert, lookup, expiry, purge, delete, cascade on user delete; password
 * hash update; API tokens: insert, duplicate name, lookup, expiry, list,
 * delete by id/name/kind, purge, cascade on user delete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store_user.h"
#include "tests/unit/store_test_target.h"

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
} fixture;

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-user-XXXXXX");
  if(!mkdtemp(f->zDir)) return -1;
  if(store_test_target(f->zDir, f->zDb, sizeof(f->zDb))) return -1;
  airc_err err = {0};
  if(store_open(f->zDb, &f->s, &err)) fail_msg("%s", err.zMsg);
  *ppState = f;
  return 0;
}

static int fx_teardown(void **ppState) {
  fixture *f = *ppState;
  store_close(f->s);
  store_test_remove(f->zDir, f->zDb);
  free(f);
  return 0;
}

static int collect(void *pCtx, const store_user_row *pRow) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "%s:%s:%lld;", pRow->zName, pRow->zRole, (long long)pRow->createdUs);
  return 0;
}

static void test_user_insert_get_list(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bEmpty = 0;
  assert_int_equal(store_user_is_empty(f->s, &bEmpty, &err), AIRC_OK);
  assert_true(bEmpty);
  assert_int_equal(store_user_insert(f->s, "zoe", "viewer", "$argon2id$h1", 100, &err), AIRC_OK);
  assert_int_equal(store_user_insert(f->s, "amy", "admin", "$argon2id$h2", 200, &err), AIRC_OK);
  assert_int_equal(store_user_is_empty(f->s, &bEmpty, &err), AIRC_OK);
  assert_false(bEmpty);

  store_user u;
  assert_int_equal(store_user_get_by_name(f->s, "zoe", &u, &err), AIRC_OK);
  assert_string_equal(u.zName, "zoe");
  assert_string_equal(u.zRole, "viewer");
  assert_string_equal(u.zHash, "$argon2id$h1");
  assert_int_equal(u.createdUs, 100);
  int64_t id = u.id;
  memset(&u, 0, sizeof(u));
  assert_int_equal(store_user_get_by_id(f->s, id, &u, &err), AIRC_OK);
  assert_string_equal(u.zName, "zoe");

  char zList[256] = "";
  assert_int_equal(store_user_each(f->s, collect, zList, &err), AIRC_OK);
  assert_string_equal(zList, "amy:admin:200;zoe:viewer:100;");

  assert_int_equal(store_user_get_by_name(f->s, "nobody", &u, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no user 'nobody'");
  airc_err_clear(&err);
  assert_int_equal(store_user_get_by_id(f->s, 9999, &u, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "user 9999 is gone");
}

static void test_user_duplicate_exists(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_user_insert(f->s, "bob", "op", "h", 1, &err), AIRC_OK);
  assert_int_equal(store_user_insert(f->s, "bob", "viewer", "h2", 2, &err), AIRC_ERR_EXISTS);
  assert_string_equal(err.zMsg, "user 'bob' already exists");
  /* the first one is untouched */
  store_user u;
  airc_err_clear(&err);
  assert_int_equal(store_user_get_by_name(f->s, "bob", &u, &err), AIRC_OK);
  assert_string_equal(u.zRole, "op");
  /* a role outside the CHECK constraint is a DB error, not EXISTS */
  airc_err_clear(&err);
  assert_int_equal(store_user_insert(f->s, "eve", "root", "h", 1, &err), AIRC_ERR_DB);
  assert_non_null(strstr(err.zMsg, "insert user: "));
}

static void test_user_delete(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_user_insert(f->s, "bob", "op", "h", 1, &err), AIRC_OK);
  assert_int_equal(store_user_delete(f->s, "bob", &err), AIRC_OK);
  assert_int_equal(store_user_delete(f->s, "bob", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no user 'bob'");
}

static void test_session_lifecycle(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_user u;
  assert_int_equal(store_user_insert(f->s, "bob", "op", "h", 1, &err), AIRC_OK);
  assert_int_equal(store_user_get_by_name(f->s, "bob", &u, &err), AIRC_OK);
  assert_int_equal(store_user_session_insert(f->s, "tok1", u.id, "csrf1", 1000, 2000, &err), AIRC_OK);
  assert_int_equal(store_user_session_insert(f->s, "tok2", u.id, "csrf2", 1000, 5000, &err), AIRC_OK);
  assert_int_equal(store_user_session_insert(f->s, "tok2", u.id, "csrf3", 1000, 5000, &err), AIRC_ERR_EXISTS);
  airc_err_clear(&err);

  store_user_session sess;
  assert_int_equal(store_user_session_lookup(f->s, "tok1", 1500, &sess, &err), AIRC_OK);
  assert_int_equal(sess.userId, u.id);
  assert_string_equal(sess.zName, "bob");
  assert_string_equal(sess.zRole, "op");
  assert_string_equal(sess.zCsrf, "csrf1");
  /* expired at 2000: not found at 2000 or later */
  assert_int_equal(store_user_session_lookup(f->s, "tok1", 2000, &sess, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  assert_int_equal(store_user_session_lookup(f->s, "nope", 1500, &sess, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);

  int64_t nDeleted = -1;
  assert_int_equal(store_user_session_purge(f->s, 2000, &nDeleted, &err), AIRC_OK);
  assert_int_equal(nDeleted, 1); /* tok1 only */
  assert_int_equal(store_user_session_lookup(f->s, "tok1", 0, &sess, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  assert_int_equal(store_user_session_lookup(f->s, "tok2", 2000, &sess, &err), AIRC_OK);

  assert_int_equal(store_user_session_delete(f->s, "tok2", &err), AIRC_OK);
  assert_int_equal(store_user_session_lookup(f->s, "tok2", 2000, &sess, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  assert_int_equal(store_user_session_delete(f->s, "tok2", &err), AIRC_OK); /* none left: still OK */

  /* deleting the user deletes its sessions */
  assert_int_equal(store_user_session_insert(f->s, "tok3", u.id, "c", 1000, 9000, &err), AIRC_OK);
  assert_int_equal(store_user_delete(f->s, "bob", &err), AIRC_OK);
  assert_int_equal(store_user_session_lookup(f->s, "tok3", 2000, &sess, &err), AIRC_ERR_NOTFOUND);
}

static int collect_tokens(void *pCtx, const store_user_token_row *pRow) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "%s:%lld:%s;", pRow->zTokenName, (long long)pRow->createdUs,
           pRow->expiresUs == STORE_TOKEN_NEVER ? "never" : "some");
  return 0;
}

static void test_set_hash(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_user_insert(f->s, "ann", "op", "$old", 1, &err), AIRC_OK);
  assert_int_equal(store_user_set_hash(f->s, "ann", "$new", &err), AIRC_OK);
  store_user u;
  assert_int_equal(store_user_get_by_name(f->s, "ann", &u, &err), AIRC_OK);
  assert_string_equal(u.zHash, "$new");
  assert_int_equal(store_user_set_hash(f->s, "nobody", "$x", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no user 'nobody'");
  assert_int_equal(store_user_session_insert(f->s, "h1", u.id, "c", 1, 1000, &err), AIRC_OK);
  assert_int_equal(store_user_session_delete_user(f->s, u.id, &err), AIRC_OK);
  store_user_session sess;
  assert_int_equal(store_user_session_lookup(f->s, "h1", 10, &sess, &err), AIRC_ERR_NOTFOUND);
}

static void test_set_role(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_user_insert(f->s, "sso.user", "viewer", "$h", 1, &err), AIRC_OK);
  assert_int_equal(store_user_set_role(f->s, "sso.user", "admin", &err), AIRC_OK);
  store_user u;
  assert_int_equal(store_user_get_by_name(f->s, "sso.user", &u, &err), AIRC_OK);
  assert_string_equal(u.zRole, "admin");
  assert_string_equal(u.zHash, "$h");
  assert_int_equal(store_user_set_role(f->s, "nobody", "op", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no user 'nobody'");
}

static void test_tokens(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_user_insert(f->s, "bob", "viewer", "$h", 1, &err), AIRC_OK);
  store_user u;
  assert_int_equal(store_user_get_by_name(f->s, "bob", &u, &err), AIRC_OK);
  int64_t idA = 0, idP = 0, idQ = 0, idX = 0;
  assert_int_equal(store_user_token_insert(f->s, u.id, "access", NULL, "hashA", 10, 100, &idA, &err), AIRC_OK);
  assert_int_equal(store_user_token_insert(f->s, u.id, "personal", "ci", "hashP", 20, STORE_TOKEN_NEVER, &idP, &err),
                   AIRC_OK);
  assert_int_equal(store_user_token_insert(f->s, u.id, "personal", "ci", "hashX", 20, 5, &idX, &err), AIRC_ERR_EXISTS);
  assert_string_equal(err.zMsg, "token 'ci' already exists");
  memset(&err, 0, sizeof(err)); /* the first error of an airc_err stays */
  assert_int_equal(store_user_token_insert(f->s, u.id, "personal", "ab", "hashQ", 30, 50, &idQ, &err), AIRC_OK);
  assert_true(idA > 0 && idP > idA && idQ > idP);
  store_user_token t;
  assert_int_equal(store_user_token_lookup(f->s, idA, 50, &t, &err), AIRC_OK);
  assert_string_equal(t.zName, "bob");
  assert_string_equal(t.zRole, "viewer");
  assert_string_equal(t.zKind, "access");
  assert_string_equal(t.zTokenName, "");
  assert_string_equal(t.zHash, "hashA");
  assert_int_equal(t.expiresUs, 100);
  assert_int_equal(store_user_token_lookup(f->s, idA, 100, &t, &err), AIRC_ERR_NOTFOUND); /* expired */
  memset(&err, 0, sizeof(err));
  assert_int_equal(store_user_token_lookup(f->s, idP, INT64_MAX - 1, &t, &err), AIRC_OK);
  assert_int_equal(t.expiresUs, STORE_TOKEN_NEVER);
  char z[256] = "";
  assert_int_equal(store_user_token_each(f->s, u.id, collect_tokens, z, &err), AIRC_OK);
  assert_string_equal(z, "ab:30:some;ci:20:never;"); /* personal only, by name */
  assert_int_equal(store_user_token_purge(f->s, 60, &err), AIRC_OK); /* removes ab (50) */
  assert_int_equal(store_user_token_lookup(f->s, idQ, 0, &t, &err), AIRC_ERR_NOTFOUND);
  memset(&err, 0, sizeof(err));
  assert_int_equal(store_user_token_lookup(f->s, idA, 0, &t, &err), AIRC_OK);
  assert_int_equal(store_user_token_delete_kind(f->s, u.id, "access", &err), AIRC_OK);
  assert_int_equal(store_user_token_lookup(f->s, idA, 0, &t, &err), AIRC_ERR_NOTFOUND);
  memset(&err, 0, sizeof(err));
  assert_int_equal(store_user_token_delete_named(f->s, u.id, "nope", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no token 'nope'");
  memset(&err, 0, sizeof(err));
  assert_int_equal(store_user_token_insert(f->s, u.id, "access", NULL, "hashB", 10, 100, &idX, &err), AIRC_OK);
  assert_int_equal(store_user_token_delete(f->s, idX, &err), AIRC_OK);
  assert_int_equal(store_user_token_lookup(f->s, idX, 0, &t, &err), AIRC_ERR_NOTFOUND);
  memset(&err, 0, sizeof(err));
  assert_int_equal(store_user_delete(f->s, "bob", &err), AIRC_OK); /* cascade */
  assert_int_equal(store_user_token_lookup(f->s, idP, 0, &t, &err), AIRC_ERR_NOTFOUND);
}

int main(void) {
  const struct CMUnitTest aTests[] = {
      cmocka_unit_test_setup_teardown(test_user_insert_get_list, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_user_duplicate_exists, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_user_delete, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_session_lifecycle, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_set_hash, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_set_role, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_tokens, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(aTests, NULL, NULL);
}
