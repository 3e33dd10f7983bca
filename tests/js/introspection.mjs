// Prints graphql-js's own introspection query, as GraphiQL, Apollo and
// graphql-codegen send it (with input value deprecation).
import { getIntrospectionQuery } from 'graphql';

process.stdout.write(getIntrospectionQuery({ inputValueDeprecation: true }));
