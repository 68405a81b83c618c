/* task_fetch_users.h: the fetch-users task type, for task_type.c's table.
 * See task_fetch_users.c. */
#ifndef AIRC_TASK_FETCH_USERS_H
#define AIRC_TASK_FETCH_USERS_H
#include "executor/task_type.h"

extern const task_type task_type_fetch_users;

#endif
