import { printSchema } from 'graphql';
import { apiSchema } from './schema';

/** `npm run schema` writes this to graphql/schema.graphql; a test compares the two. */
export function schemaText(): string {
  return printSchema(apiSchema()) + '\n';
}

if (require.main === module) process.stdout.write(schemaText());
