import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';
import { expect } from 'vitest';

/**
 * Parses a card with the `adaptivecards` package as clients do and lists what it reports: parse
 * events (unknown element or action types, bad values) and the validation of required properties.
 * `import 'adaptivecards'` fails under ESM (its lib/ has extensionless imports): load the UMD bundle.
 */
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/**
 * The Teams people picker has no static choices (`choices.data` queries the directory), which this
 * package's validation reports as an empty choice set; everything else it reports counts.
 */
function isDynamicChoiceSet(event: AdaptiveCards.IValidationEvent): boolean {
  const source = event.source;
  return (
    event.event === AC.ValidationEvent.CollectionCantBeEmpty &&
    source instanceof AC.ChoiceSetInput &&
    source.choicesData?.type === 'Data.Query'
  );
}

export function adaptiveCardProblems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) {
    if (!isDynamicChoiceSet(event)) problems.push(event.message);
  }
  return problems;
}

export function expectValidAdaptiveCard(json: unknown): void {
  expect(adaptiveCardProblems(json)).toEqual([]);
}
