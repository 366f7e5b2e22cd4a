/** A GraphQL-over-HTTP call as any client would make it. */
export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  headers: Headers;
}

export async function gql<Data = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

/** The error codes of a response, in order: what most assertions want. */
export function codes(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((e) => String(e.extensions?.code));
}
