/* fuzz_cql_decode.c: libFuzzer target for the CQL v4 response decoder.
 *
 * Build with clang:  clang -fsanitize=fuzzer,address -I. tests/fuzz/fuzz_cql_decode.c \
 *                      providers/cassandra/cql_wire.c common/dynbuf.c common/err.c common/rc.c common/timeutil.c
 * Without clang, -DFUZZ_STANDALONE_MAIN gives a main() that runs the files
 * named on the command line. tests/unit/test_cql.c includes this file and
 * replays tests/fuzz/corpus/cql_decode/ through LLVMFuzzerTestOneInput, so every
 * corpus entry (and every crash found later, once added) is a unit test.
 *
 * The input is a whole response frame; each decoded cell is also rendered
 * as text, so that the cell formatters see hostile lengths too. The input is
 * decoded a second time as the body of every response opcode. */
#include <stddef.h>
#include <stdint.h>
#include "common/dynbuf.h"
#include "providers/cassandra/cql_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *pData, size_t nData);

static void fuzz_render(const cql_result *r) {
  dynbuf b;
  dynbuf_init(&b, 1 << 20);
  for(int i = 0; i < r->nRow && i < 1000; i++)
    for(int c = 0; c < r->nCol; c++) {
      int bNull;
      dynbuf_reset(&b);
      if(cql_result_cell_text(r, i, c, &b, &bNull)) break;
    }
  (void)cql_result_column(r, "id");
  dynbuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *pData, size_t nData) {
  static const uint8_t aOp[] = {CQL_OP_ERROR, CQL_OP_READY, CQL_OP_AUTHENTICATE,
                                CQL_OP_AUTH_CHALLENGE, CQL_OP_AUTH_SUCCESS, CQL_OP_RESULT};
  cql_result r;
  airc_err e = {0};
  if(cql_frame_decode(pData, nData, 1 << 20, &r, &e) == AIRC_OK) fuzz_render(&r);
  cql_result_free(&r);
  for(size_t i = 0; i < sizeof(aOp); i++) {
    for(uint8_t flags = 0; flags < 16; flags += 2) { /* tracing, custom payload, warning */
      cql_header h = {CQL_VERSION_RESPONSE, flags, aOp[i], 0, (uint32_t)nData};
      airc_err_clear(&e);
      if(cql_body_decode(&h, pData, nData, &r, &e) == AIRC_OK) fuzz_render(&r);
      cql_result_free(&r);
    }
  }
  return 0;
}

#ifdef FUZZ_STANDALONE_MAIN
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  for(int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if(!f) { perror(argv[i]); return 1; }
    static uint8_t a[1 << 20];
    size_t n = fread(a, 1, sizeof(a), f);
    fclose(f);
    LLVMFuzzerTestOneInput(a, n);
  }
  return 0;
}
#endif
