import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';

/**
 * YAML as the bot reads its own files (playbooks, exercise scenarios, the taxonomy, roster files):
 * the YAML 1.2 core schema, so `2026-01-01`, `yes` and `no` stay text and a key given twice is an
 * error. js-yaml reads the shipped playbooks and catalogues about five times faster than the
 * `yaml` package did, which was most of what start-up spent on them; the tests keep `yaml` as a
 * second, independent reader.
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}

/** A YAML syntax error in one line, with where it is ("bad indentation of a mapping entry (3:5)"); other errors as they are. */
export function yamlProblem(error: unknown): string {
  if (error instanceof YAMLException) return error.message.split('\n')[0] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
