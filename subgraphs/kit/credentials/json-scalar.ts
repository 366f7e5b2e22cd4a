import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';

/** A JSON value in and out, as is: literals (objects, lists, numbers...) and variables alike. Shape checks belong to the field that takes it. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
