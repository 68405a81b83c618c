/* test_user_record.c: the randomuser.me user -> pipeline record transform,
 * field by field, against hand-written fixtures shaped like real API 1.4
 * responses (tests/fixtures/randomuser/), plus UUID helpers and a replay of
 * the fuzz corpus (tests/fuzz/corpus/user_record/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include "providers/fetch_users/user_record.h"
#include "tests/unit/testutil.h"
#include "tests/fuzz/fuzz_user_record.c"

#define FIX "tests/fixtures/randomuser/"

typedef struct expect_rec {
  const char *zId, *zFirst, *zLast, *zGender, *zAddress, *zPostCode, *zEmail, *zUsername, *zDob,
      *zRegistered, *zPhone, *zPicture;
} expect_rec;

static json_t *fixture_user(json_t *pDoc, size_t i) {
  json_t *pUser = json_array_get(json_object_get(pDoc, "results"), i);
  assert_non_null(pUser);
  return pUser;
}

static void assert_field(json_t *pRec, const char *zKey, const char *zWant) {
  json_t *p = json_object_get(pRec, zKey);
  assert_non_null(p);
  assert_true(json_is_string(p));
  if(zWant) assert_string_equal(json_string_value(p), zWant);
}

/* Transforms user i of fixture zFile and compares every field; a NULL
 * expected id means "a fresh valid v4 UUID". */
static void check_user(const char *zFile, size_t i, const expect_rec *pE) {
  json_t *pDoc = testutil_load_json(zFile);
  assert_non_null(pDoc);
  json_t *pRec = NULL;
  char zErr[256];
  airc_rc rc = user_record_from_api(fixture_user(pDoc, i), &pRec, zErr, sizeof(zErr));
  if(rc) fail_msg("%s user %zu: %s", zFile, i, zErr);
  assert_int_equal(json_object_size(pRec), 12);
  if(pE->zId) {
    assert_field(pRec, "id", pE->zId);
  } else {
    const char *zId = json_string_value(json_object_get(pRec, "id"));
    assert_non_null(zId);
    assert_true(uuid_is_valid(zId, strlen(zId)));
    assert_int_equal(zId[14], '4');
  }
  assert_field(pRec, "first_name", pE->zFirst);
  assert_field(pRec, "last_name", pE->zLast);
  assert_field(pRec, "gender", pE->zGender);
  assert_field(pRec, "address", pE->zAddress);
  assert_field(pRec, "post_code", pE->zPostCode);
  assert_field(pRec, "email", pE->zEmail);
  assert_field(pRec, "username", pE->zUsername);
  assert_field(pRec, "dob", pE->zDob);
  assert_field(pRec, "registered_date", pE->zRegistered);
  assert_field(pRec, "phone", pE->zPhone);
  assert_field(pRec, "picture", pE->zPicture);
  /* keys come out in the documented order */
  size_t k = 0;
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pRec, zKey, pVal) {
    assert_string_equal(zKey, user_record_azKeys[k]);
    k++;
  }
  json_decref(pRec);
  json_decref(pDoc);
}

static void test_us_numeric_postcode(void **state) {
  (void)state;
  expect_rec e = {"7a0eed16-9430-4d68-901f-c0d4c1c3bf00", "Jennie", "Nichols", "female",
                  "8929 Valwood Pkwy, Billings, Michigan, United States", "63104",
                  "jennie.nichols@example.com", "yellowpeacock117", "1992-03-08T15:13:16.688Z",
                  "2007-07-09T05:51:59.390Z", "(272) 790-0888",
                  "https://randomuser.me/api/portraits/med/women/75.jpg"};
  check_user(FIX "us_numeric_postcode.json", 0, &e);
  expect_rec e2 = {"155e77ee-ba6d-486f-95ce-0e0c0fb4b919", "Brad", "Gibson", "male",
                   "9278 New Road, Kilcoole, Waterford, United States", "93027",
                   "brad.gibson@example.com", "silverswan131", "1993-07-20T09:44:18.674Z",
                   "2002-05-21T10:59:49.966Z", "011-962-7516",
                   "https://randomuser.me/api/portraits/med/men/75.jpg"};
  check_user(FIX "us_numeric_postcode.json", 1, &e2);
}

static void test_gb_ca_string_postcodes(void **state) {
  (void)state;
  expect_rec gb = {"d3ce3b1e-4f2a-4d4b-9a7e-2f1a6c1e9b01", "Oliver", "Hughes", "male",
                   "4171 Victoria Road, Stoke-on-Trent, Cumbria, United Kingdom", "N7 6DY",
                   "oliver.hughes@example.com", "bigbird482", "1978-11-29T04:08:25.518Z",
                   "2011-04-17T20:18:41.930Z", "016973 78539",
                   "https://randomuser.me/api/portraits/med/men/12.jpg"};
  check_user(FIX "gb_ca_string_postcodes.json", 0, &gb);
  expect_rec ca = {"0b5e2a4c-6f1d-4c3e-8a9b-7d2f1e0c3b4a", "Chloé", "Gagnon", "female",
                   "1250 Frederick Ave, Trois-Rivières, Québec, Canada", "G8T 2B6",
                   "chloe.gagnon@example.com", "organicgorilla615", "1986-02-14T12:31:07.222Z",
                   "2016-09-03T08:22:15.004Z", "B64 H87-7423",
                   "https://randomuser.me/api/portraits/med/women/33.jpg"};
  check_user(FIX "gb_ca_string_postcodes.json", 1, &ca);
}

static void test_unicode_names(void **state) {
  (void)state;
  expect_rec no = {"5d7b1c3e-9f2a-4b6c-8d0e-1f3a5b7c9d2e", "Åse", "Bjørnstad", "female",
                   "7412 Tårnveien, Ålesund, Møre og Romsdal, Norway", "6003",
                   "ase.bjornstad@example.com", "orangefish744", "1955-06-21T17:02:44.901Z",
                   "2004-01-30T11:45:12.337Z", "31785224",
                   "https://randomuser.me/api/portraits/med/women/64.jpg"};
  check_user(FIX "unicode_names.json", 0, &no);
  expect_rec tr = {"8e6f4d2b-0a1c-4e3f-9b5d-7c9e1a3f5b7d", "Ömer", "Çelik", "male",
                   "5316 Atatürk Sk, İstanbul, Şanlıurfa, Turkey", "43271",
                   "omer.celik@example.com", "purplerabbit292", "1969-10-02T22:17:53.118Z",
                   "2019-12-24T06:03:39.871Z", "(086)-216-5493",
                   "https://randomuser.me/api/portraits/med/men/41.jpg"};
  check_user(FIX "unicode_names.json", 1, &tr);
  expect_rec ir = {"c4a2e0b8-6d4f-4a2c-b0e8-6d4f2a0c8e6b", "نیما", "کامروا", "male",
                   "2468 شهید اکبر وصالی, تهران, البرز, Iran", "57824",
                   "نیما.کامروا@example.com", "crazyswan529", "1981-04-11T03:26:30.475Z",
                   "2008-08-17T15:09:58.663Z", "062-24187391",
                   "https://randomuser.me/api/portraits/med/men/7.jpg"};
  check_user(FIX "unicode_names.json", 2, &ir);
  expect_rec ua = {"e1c3a5f7-2b4d-4f6a-8c0e-9b7d5f3a1c2e", "Олександра", "Шевченко", "female",
                   "1843 Стрийська, Київ, Львівська, Ukraine", "79005",
                   "oleksandra.shevchenko@example.com", "tinycat846", "1990-12-31T23:59:59.999Z",
                   "2013-03-05T00:00:00.000Z", "(098) K92-0185",
                   "https://randomuser.me/api/portraits/med/women/88.jpg"};
  check_user(FIX "unicode_names.json", 3, &ua);
}

/* The record's compact JSON keeps UTF-8 as is (no \u escapes) and reads
 * back equal: what goes to Kafka is what Cassandra stores. */
static void test_unicode_serialisation(void **state) {
  (void)state;
  json_t *pDoc = testutil_load_json(FIX "unicode_names.json");
  assert_non_null(pDoc);
  json_t *pRec = NULL;
  char zErr[256];
  assert_int_equal(user_record_from_api(fixture_user(pDoc, 1), &pRec, zErr, sizeof(zErr)), AIRC_OK);
  char *zLine = json_dumps(pRec, JSON_COMPACT);
  assert_non_null(zLine);
  assert_non_null(strstr(zLine, "\"last_name\":\"Çelik\""));
  assert_null(strstr(zLine, "\\u"));
  json_error_t e;
  json_t *pBack = json_loads(zLine, 0, &e);
  assert_true(json_equal(pBack, pRec));
  json_decref(pBack);
  free(zLine);
  json_decref(pRec);
  json_decref(pDoc);
}

static void test_old_street_string(void **state) {
  (void)state;
  expect_rec e = {"155e77ee-ba6d-486f-95ce-0e0c0fb4b919", "aubrey", "lévesque", "female",
                  "9278 new road, kilcoole, waterford, Ireland", "93027",
                  "aubrey.lévesque@example.com", "silverswan131", "1993-07-20T09:44:18.674Z",
                  "2002-05-21T10:59:49.966Z", "011-962-7516",
                  "https://randomuser.me/api/portraits/med/women/75.jpg"};
  check_user(FIX "old_street_string.json", 0, &e);
}

/* login.uuid that is not a UUID: a fresh v4 id, everything else kept. */
static void test_non_uuid_login(void **state) {
  (void)state;
  expect_rec e = {NULL, "Jennie", "Nichols", "female",
                  "8929 Valwood Pkwy, Billings, Michigan, United States", "63104",
                  "jennie.nichols@example.com", "yellowpeacock117", "1992-03-08T15:13:16.688Z",
                  "2007-07-09T05:51:59.390Z", "(272) 790-0888",
                  "https://randomuser.me/api/portraits/med/women/75.jpg"};
  /* 0 "not-a-uuid", 1 absent, 2 a number, 4 braces, 5 no dashes */
  static const size_t aFresh[] = {0, 1, 2, 4, 5};
  for(size_t i = 0; i < sizeof(aFresh) / sizeof(aFresh[0]); i++) {
    check_user(FIX "non_uuid_login.json", aFresh[i], &e);
  }
  /* 3: upper case is valid and comes out lower-cased */
  e.zId = "7a0eed16-9430-4d68-901f-c0d4c1c3bf00";
  check_user(FIX "non_uuid_login.json", 3, &e);
  /* 6: integral real postcode and a string street number are accepted */
  e.zAddress = "12B Valwood Pkwy, Billings, Michigan, United States";
  e.zPostCode = "75001";
  check_user(FIX "non_uuid_login.json", 6, &e);
}

/* API 1.0-1.2 users: no location.country (absent or null), the address is
 * street, city, state; 1.0-1.1 dob and registered are plain date strings;
 * login.uuid may be missing (fresh id) or upper case. */
static void test_api_1x_no_country(void **state) {
  (void)state;
  expect_rec e = {NULL, "romain", "hoogmoed", "male",
                  "1861 jan pieterszoon coenstraat, maasdriel, zeeland", "69217",
                  "romain.hoogmoed@example.com", "lazyduck408", "1983-07-14 07:29:45",
                  "2010-09-24 02:10:42", "(656)-976-4980",
                  "https://randomuser.me/api/portraits/med/men/83.jpg"};
  check_user(FIX "api_1x_no_country.json", 0, &e);
  expect_rec e1 = {"2e8a1f6c-3b7d-4c1e-9a5f-0d6b8c7e1a24", "sophie", "martin", "female",
                   "4217 rue de la mairie, nantes, loire-atlantique", "44000",
                   "sophie.martin@example.com", "bigrabbit512", "1971-02-11T19:07:31Z",
                   "2009-06-03T02:41:05Z", "02-35-74-10-96",
                   "https://randomuser.me/api/portraits/med/women/12.jpg"};
  check_user(FIX "api_1x_no_country.json", 1, &e1);
  expect_rec e2 = {"5b0c7a2e-88d1-4f0a-b3a4-1c9e6d2f7a80", "ella", "kivelä", "female",
                   "7392 hämeenkatu, säkylä, satakunta", "84718", "ella.kivelä@example.com",
                   "orangeduck771", "1988-11-30 22:14:09", "2006-04-17 08:55:12", "03-123-456",
                   "https://randomuser.me/api/portraits/med/women/3.jpg"};
  check_user(FIX "api_1x_no_country.json", 2, &e2);
}

/* The dedupe key: the id's bytes for a valid login.uuid whatever its case,
 * the content for users without one. */
static void test_user_key(void **state) {
  (void)state;
  json_t *pDoc = testutil_load_json(FIX "api_1x_no_country.json");
  assert_non_null(pDoc);
  uint8_t a[USER_RECORD_KEY_LEN], b[USER_RECORD_KEY_LEN];
  static const uint8_t aWant[USER_RECORD_KEY_LEN] = {0x2e, 0x8a, 0x1f, 0x6c, 0x3b, 0x7d,
                                                     0x4c, 0x1e, 0x9a, 0x5f, 0x0d, 0x6b,
                                                     0x8c, 0x7e, 0x1a, 0x24};
  assert_int_equal(user_record_key(fixture_user(pDoc, 1), a), AIRC_OK);
  assert_memory_equal(a, aWant, sizeof(aWant));
  /* same uuid in lower case, other fields changed: same key */
  json_t *pCopy = json_deep_copy(fixture_user(pDoc, 1));
  json_object_set_new(json_object_get(pCopy, "login"), "uuid",
                      json_string("2e8a1f6c-3b7d-4c1e-9a5f-0d6b8c7e1a24"));
  json_object_set_new(pCopy, "email", json_string("other@example.com"));
  assert_int_equal(user_record_key(pCopy, b), AIRC_OK);
  assert_memory_equal(a, b, sizeof(a));
  json_decref(pCopy);
  /* no uuid: an identical copy has the same key, a changed one another */
  assert_int_equal(user_record_key(fixture_user(pDoc, 0), a), AIRC_OK);
  pCopy = json_deep_copy(fixture_user(pDoc, 0));
  assert_int_equal(user_record_key(pCopy, b), AIRC_OK);
  assert_memory_equal(a, b, sizeof(a));
  json_object_set_new(pCopy, "phone", json_string("0"));
  assert_int_equal(user_record_key(pCopy, b), AIRC_OK);
  assert_memory_not_equal(a, b, sizeof(a));
  json_decref(pCopy);
  json_decref(pDoc);
}

/* Every user-visible rejection message, one fixture user each. */
static void test_bad_users(void **state) {
  (void)state;
  static const char *azWant[] = {
      "field 'name.first' missing",
      "field 'name.last' has wrong type (integer)",
      "field 'name' has wrong type (string)",
      "field 'location.street' missing",
      "field 'location.postcode' has wrong type (array)",
      "field 'location.street.number' missing",
      "field 'location.street' has wrong type (array)",
      "field 'email' missing",
      "field 'login.username' missing",
      "field 'dob.date' has wrong type (object)",
      "field 'registered' has wrong type (boolean)",
      "field 'picture.medium' missing",
      "field 'phone' has wrong type (integer)",
      "field 'gender' missing",
      "user is not an object (string)",
      "field 'location.postcode' has wrong type (non-integral number)",
      "field 'location.country' has wrong type (integer)",
      "field 'location.city' missing",
      "field 'location.state' missing",
      "field 'dob' has wrong type (integer)",
      "field 'email' missing",
  };
  json_t *pDoc = testutil_load_json(FIX "bad_users.json");
  assert_non_null(pDoc);
  size_t nWant = sizeof(azWant) / sizeof(azWant[0]);
  assert_int_equal(json_array_size(json_object_get(pDoc, "results")), nWant);
  for(size_t i = 0; i < nWant; i++) {
    json_t *pRec = (json_t *)0x1;
    char zErr[256];
    airc_rc rc = user_record_from_api(fixture_user(pDoc, i), &pRec, zErr, sizeof(zErr));
    assert_int_equal(rc, AIRC_ERR_INVALID);
    assert_null(pRec);
    if(strcmp(zErr, azWant[i])) fail_msg("user %zu: got \"%s\", want \"%s\"", i, zErr, azWant[i]);
  }
  json_decref(pDoc);
  /* a NULL user and a tiny error buffer do not crash */
  json_t *pRec;
  char zTiny[8];
  assert_int_equal(user_record_from_api(NULL, &pRec, zTiny, sizeof(zTiny)), AIRC_ERR_INVALID);
  assert_int_equal(strlen(zTiny), 7);
  json_t *pEmpty = json_object();
  assert_int_equal(user_record_from_api(pEmpty, &pRec, NULL, 0), AIRC_ERR_INVALID);
  json_decref(pEmpty);
}

static void test_uuid_helpers(void **state) {
  (void)state;
  assert_true(uuid_is_valid("7a0eed16-9430-4d68-901f-c0d4c1c3bf00", 36));
  assert_true(uuid_is_valid("7A0EED16-9430-4D68-901F-C0D4C1C3BF00", 36));
  assert_false(uuid_is_valid("7a0eed16-9430-4d68-901f-c0d4c1c3bf0", 35));
  assert_false(uuid_is_valid("7a0eed16-9430-4d68-901f-c0d4c1c3bf0g", 36));
  assert_false(uuid_is_valid("7a0eed1609430-4d68-901f-c0d4c1c3bf00", 36));
  assert_false(uuid_is_valid("7a0eed16-9430-4d68-901f-c0d4c1c3bf00x", 37));
  assert_false(uuid_is_valid(NULL, 36));
  char a[UUID_STR_LEN], b[UUID_STR_LEN];
  assert_int_equal(uuid_random_v4(a), AIRC_OK);
  assert_int_equal(uuid_random_v4(b), AIRC_OK);
  assert_true(uuid_is_valid(a, strlen(a)));
  assert_string_not_equal(a, b);
  assert_int_equal(a[14], '4');
  assert_non_null(strchr("89ab", a[19]));
  uint8_t aZero[16] = {0};
  uuid_format_v4(aZero, a);
  assert_string_equal(a, "00000000-0000-4000-8000-000000000000");
}

/* Replays every file of the fuzz corpus through the fuzz target. */
static void test_fuzz_corpus_replay(void **state) {
  (void)state;
  const char *zDir = testutil_src_path("tests/fuzz/corpus/user_record");
  char zDirCopy[4096];
  snprintf(zDirCopy, sizeof(zDirCopy), "%s", zDir);
  DIR *d = opendir(zDirCopy);
  assert_non_null(d);
  int nFile = 0;
  struct dirent *pEnt;
  while((pEnt = readdir(d)) != NULL) {
    if(pEnt->d_name[0] == '.') continue;
    char zPath[4400];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDirCopy, pEnt->d_name);
    size_t n = 0;
    char *z = testutil_read_file(zPath, &n);
    assert_non_null(z);
    LLVMFuzzerTestOneInput((const uint8_t *)z, n);
    free(z);
    nFile++;
  }
  closedir(d);
  assert_true(nFile >= 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_us_numeric_postcode),  cmocka_unit_test(test_gb_ca_string_postcodes),
      cmocka_unit_test(test_unicode_names),        cmocka_unit_test(test_unicode_serialisation),
      cmocka_unit_test(test_old_street_string),    cmocka_unit_test(test_non_uuid_login),
      cmocka_unit_test(test_bad_users),            cmocka_unit_test(test_uuid_helpers),
      cmocka_unit_test(test_fuzz_corpus_replay),   cmocka_unit_test(test_api_1x_no_country),
      cmocka_unit_test(test_user_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
