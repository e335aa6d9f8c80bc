/* schema-test.c: the schema of a test block, one per form (test
 * definitions, in docker, interactive scripts, monitors, services), and
 * of a command block, as LAVA's lava_common/schemas/test/ and command.py
 * define them. */
#include "lava-schema.h"

#include <stdlib.h>
#include <string.h>

/* Names of test definitions, interactive tests, monitors, services. */
#define TEST_NAME MATCH("^[-_a-zA-Z0-9.]+$")
#define NON_EMPTY_STR ALL(S_STR, LENGTH_MIN(1))
#define RESULT ANY(EQ("pass"), EQ("fail"), EQ("skip"), EQ("unknown"))

/* ---- an inline test definition (testdef.py) ---- */

static const struct schema_key testdef_metadata_keys[] = {
	REQ("format", EQ("Lava-Test Test Definition 1.0")),
	REQ("name", S_STR),
	OPT("description", S_STR),
	OPT("environment", LIST(S_STR)),
	OPT("devices", LIST(S_STR)),
	OPT("maintainer", LIST(S_STR)),
	OPT("scope", LIST(S_STR)),
	OPT("os", LIST(S_STR)),
	{0},
};

static const struct schema_key testdef_install_keys[] = {
	OPT("deps", LIST(S_STR)),
	MATCH_KEY("deps-.+", LIST(S_STR)),
	OPT("git-repos",
	    LIST(ANY(S_STR, MAP(KEYS(OPT("url", S_STR), OPT("branch", S_STR),
				     OPT("destination", S_STR)))))),
	OPT("keys", LIST(S_STR)),
	OPT("steps", LIST(S_STR)),
	OPT("sources", LIST(S_STR)),
	{0},
};

static const struct schema_key testdef_keys[] = {
	REQ("metadata", MAP(testdef_metadata_keys)),
	OPT("install", MAP(testdef_install_keys)),
	OPT("parameters", S_DICT),
	OPT("params", S_DICT),
	OPT("parse", MAP(KEYS(OPT("fixupdict", MAP(KEYS(ANY_STR_KEY(RESULT))))))),
	OPT("run", MAP(KEYS(REQ("steps", LIST(S_STR))))),
	OPT("expected", LIST(S_STR)),
	{0},
};

/* ---- test definitions: from git, from a url, inline ---- */

/* Keys of a test definition whatever its source. */
static const struct schema_key definition_keys[] = {
	REQ("path", S_STR),
	REQ("name", TEST_NAME),
	OPT("skip_install",
	    LIST(ANY(EQ("keys"), EQ("sources"), EQ("deps"), EQ("steps"),
		     EQ("git-repos"), EQ("all")))),
	OPT("lava-signal", ANY(EQ("kmsg"), EQ("stdout"))),
	OPT("expected", LIST(S_STR)),
	{0},
};

static const struct schema_key definition_git_keys[] = {
	REQ("repository", S_STR),
	REQ("from", EQ("git")),
	OPT("branch", S_STR),
	OPT("history", S_BOOL),
	OPT("revision", S_STR),
	OPT("parameters", S_DICT),
	OPT("params", S_DICT),
	OPT("recursive", S_BOOL),
	{0},
};

static const struct schema_key definition_url_keys[] = {
	REQ("repository", S_STR),
	REQ("from", EQ("url")),
	OPT("compression", S_STR),
	OPT("strip-components", S_INT),
	OPT("parameters", S_DICT),
	OPT("params", S_DICT),
	OPT("headers", S_DICT),
	{0},
};

static const struct schema_key definition_inline_keys[] = {
	REQ("repository", MAP(testdef_keys)),
	REQ("from", EQ("inline")),
	{0},
};

static const struct schema_key definitions_keys[] = {
	REQ("definitions",
	    LIST(ANY(MAP(definition_git_keys, definition_keys),
		     MAP(definition_url_keys, definition_keys),
		     MAP(definition_inline_keys, definition_keys)))),
	{0},
};

static const struct schema test_definition = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){lava_schema_action_keys,
						      definitions_keys, NULL},
};

/* ---- test definitions run in a docker container ---- */

static const struct schema_key docker_shell_keys[] = {
	REQ("docker", MAP(lava_schema_docker_keys)),
	OPT("downloads-namespace", S_STR),
	OPT("disconnect_connection", S_BOOL),
	{0},
};

static const struct schema test_docker = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){lava_schema_action_keys,
						      definitions_keys,
						      docker_shell_keys, NULL},
};

/* ---- interactive tests ---- */

static const struct schema_key script_step_keys[] = {
	OPT("command", ANY(S_STR, S_NONE)),
	OPT("delay", S_INT),
	OPT("lava-send", S_STR),
	OPT("lava-sync", S_STR),
	OPT("lava-wait", S_STR),
	OPT("lava-wait-all", S_STR),
	OPT("name", TEST_NAME),
	OPT("wait_for_prompt", S_BOOL),
	OPT("successes", LIST(MAP(KEYS(REQ("message", NON_EMPTY_STR))))),
	OPT("failures",
	    LIST(MAP(KEYS(REQ("message", NON_EMPTY_STR),
			  OPT("exception",
			      ANY(EQ("InfrastructureError"), EQ("JobError"),
				  EQ("TestError"))),
			  OPT("error", NON_EMPTY_STR))))),
	{0},
};

static const struct schema_key interactive_keys[] = {
	REQ("name", TEST_NAME),
	REQ("prompts", LIST(NON_EMPTY_STR)),
	OPT("echo", EQ("discard")),
	OPT("expected", LIST(NON_EMPTY_STR)),
	REQ("script", LIST(MAP(script_step_keys))),
	{0},
};

static const struct schema test_interactive = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_action_keys,
		KEYS(REQ("interactive", LIST(MAP(interactive_keys)))), NULL},
};

/* ---- monitors ---- */

static const struct schema_key monitor_keys[] = {
	REQ("name", TEST_NAME),
	REQ("start", S_STR),
	REQ("end", S_STR),
	REQ("pattern", S_STR),
	OPT("fixupdict", MAP(KEYS(ANY_STR_KEY(RESULT)))),
	OPT("expected", LIST(S_STR)),
	{0},
};

static const struct schema test_monitor = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_action_keys,
		KEYS(REQ("monitors", LIST(MAP(monitor_keys)))), NULL},
};

/* ---- services ---- */

static const struct schema_key service_keys[] = {
	REQ("name", TEST_NAME),
	REQ("repository", S_STR),
	REQ("path", S_STR),
	OPT("service", S_STR),
	{0},
};

static const struct schema_key service_git_keys[] = {
	REQ("from", EQ("git")),
	OPT("branch", S_STR),
	OPT("history", S_BOOL),
	OPT("revision", S_STR),
	OPT("recursive", S_BOOL),
	{0},
};

static const struct schema_key service_url_keys[] = {
	REQ("from", EQ("url")),
	OPT("compression", S_STR),
	OPT("headers", S_DICT),
	{0},
};

static const struct schema test_service = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_action_keys,
		KEYS(REQ("services",
			 LIST(ANY(MAP(service_git_keys, service_keys),
				  MAP(service_url_keys, service_keys))))),
		NULL},
};

/* ---- command ---- */

static const struct schema command = {
	.kind = SC_MAP,
	.keysets = (const struct schema_key *const[]){
		lava_schema_action_keys, KEYS(REQ("name", S_STR)), NULL},
};

/* ---- lookup ---- */

struct named_schema {
	const char *name;
	const struct schema *schema;
};

/* In strcmp() order. */
static const struct named_schema test_forms[] = {
	{"definition", &test_definition},
	{"docker", &test_docker},
	{"interactive", &test_interactive},
	{"monitor", &test_monitor},
	{"service", &test_service},
};

static int
named_schema_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct named_schema *)elem)->name);
}

const struct schema *
lava_schema_test(const char *form)
{
	if (form == NULL)
		return NULL;
	const struct named_schema *found =
		bsearch(form, test_forms, sizeof test_forms / sizeof test_forms[0],
			sizeof test_forms[0], named_schema_cmp);
	return found ? found->schema : NULL;
}

const struct schema *
lava_schema_command(void)
{
	return &command;
}
