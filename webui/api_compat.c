/* api_compat.c: the smaller routes of Airflow's stable REST API that
 * Airflow's own clients call (apache-airflow-client): version, config
 * (refused, as Airflow does while expose_config is off), plugins (airc's
 * task types) and the
 * XCom entries of a task instance (airc keeps one: its return value, key
 * "return_value"). Shapes follow the client's models field for field. */
#include "common/config.h"
#include "common/version.h"
#include "executor/task_type.h"
#include "executor/task_plugin.h"
#include <stdio.h>
#include "store/store_audit.h"
#include "webui/api.h"
#include <string.h>

int api_version(web_req *r) {
  return http_reply_json(r, 200, json_pack("{s:s,s:n}", "version", AIRC_VERSION, "git_version"));
}

int api_config(web_req *r) {
  return http_reply_error(r, 403, NULL,
                          "the configuration is not exposed over the API (airc has no [webserver] expose_config; "
                          "Airflow answers the same while expose_config is off)");
}

int api_plugins(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  static const char *const azList[] = {"hooks", "executors", "macros", "flask_blueprints", "appbuilder_views",
                                       "appbuilder_menu_items", "global_operator_extra_links",
                                       "operator_extra_links", "listeners", "ti_deps", "timetables", NULL};
  json_t *pArr = json_array();
  const task_type *const *ap = task_type_all();
  int64_t n = 0;
  /* the built-in types, then the usable task-type plugins (source: their program) */
  int nPlugin = 0;
  const task_plugin *aPlugin = task_plugins(&nPlugin);
  int nBuiltin = 0;
  while(ap[nBuiltin]) nBuiltin++;
  for(int i = 0; i < nBuiltin + nPlugin; i++) {
    const task_plugin *pl = i >= nBuiltin ? &aPlugin[i - nBuiltin] : NULL;
    if(pl && pl->zErr) continue;
    if(n < pg.offset || n >= pg.offset + pg.limit) {
      n++;
      continue;
    }
    n++;
    char zSource[4400];
    if(pl) snprintf(zSource, sizeof(zSource), "task-type plugin %s", pl->zPath);
    json_t *p = json_object();
    json_object_set_new(p, "name", json_string(pl ? pl->zName : ap[i]->schema.zName));
    json_object_set_new(p, "source", json_string(pl ? zSource : "airc task type (executor/task_types.def)"));
    for(int k = 0; azList[k]; k++) json_object_set_new(p, azList[k], json_array());
    json_array_append_new(pArr, p);
  }
  return http_reply_json(r, 200, api_list("plugins", pArr, n));
}

/* ---- XCom ---- */

typedef struct xcom_ctx {
  json_t *p; /* the entry, once found */
} xcom_ctx;

static int xcom_row(void *pCtx, const store_xcom_row *x) {
  xcom_ctx *c = pCtx;
  c->p = json_object();
  json_object_set_new(c->p, "dag_id", api_text(x->zDagId));
  json_object_set_new(c->p, "dag_run_id", api_text(x->zRunId));
  json_object_set_new(c->p, "task_id", api_text(x->zTaskId));
  json_object_set_new(c->p, "key", json_string("return_value"));
  json_object_set_new(c->p, "map_index", json_integer(-1));
  json_object_set_new(c->p, "execution_date", api_time_sec(x->logicalDate));
  json_object_set_new(c->p, "timestamp", x->updatedUs != STORE_EVENT_NULL ? api_time_us(x->updatedUs)
                                                                          : api_time_sec(x->logicalDate));
  json_object_set_new(c->p, "value", api_json_text(x->zValue));
  return 0;
}

/* The task instance's XCom entry (NULL: none) in *ppOut; 0 after replying. */
static int xcom_load(web_req *r, json_t **ppOut) {
  *ppOut = NULL;
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return 0;
  airc_err err = {0};
  xcom_ctx c = {NULL};
  airc_rc rc = store_xcom_get(r->s, pk, r->azParam[2], xcom_row, &c, &err);
  if(rc == AIRC_ERR_NOTFOUND) {
    http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", r->azParam[1], r->azParam[0],
                     r->azParam[2]);
    return 0;
  }
  if(rc) {
    json_decref(c.p);
    http_reply_err(r, &err);
    return 0;
  }
  *ppOut = c.p;
  return 1;
}

int api_xcom_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  json_t *p;
  if(!xcom_load(r, &p)) return r->mhdResult;
  json_t *pArr = json_array();
  int n = p ? 1 : 0;
  if(p) {
    json_object_del(p, "value"); /* the list has no values, as in Airflow */
    if(pg.offset == 0) json_array_append(pArr, p);
    json_decref(p);
  }
  return http_reply_json(r, 200, api_list("xcom_entries", pArr, n));
}

int api_xcom_get(web_req *r) {
  json_t *p;
  if(!xcom_load(r, &p)) return r->mhdResult;
  if(!p || strcmp(r->azParam[3], "return_value")) {
    const char *zHint = p ? " (airc keeps one: return_value)" : "";
    json_decref(p);
    return http_reply_error(r, 404, NULL, "task '%s' of run '%s' has no XCom '%s'%s", r->azParam[2], r->azParam[1],
                            r->azParam[3], zHint);
  }
  return http_reply_json(r, 200, p);
}
