/**
 * A2A 0.3 and 1.0 AgentCards describe the same things under different names: 0.3 has one `url`
 * with `preferredTransport` and `additionalInterfaces`, OpenAPI-shaped `securitySchemes` and
 * `security`; 1.0 (lf.a2a.v1, ProtoJSON) has `supportedInterfaces`, one-of wrapped schemes and
 * `securityRequirements`. These convert a whole card either way, keeping every other field.
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** 0.3 scheme `type` → the 1.0 one-of field that carries it. */
const SCHEME_WRAPPERS: Record<string, string> = {
  apiKey: 'apiKeySecurityScheme',
  http: 'httpAuthSecurityScheme',
  oauth2: 'oauth2SecurityScheme',
  openIdConnect: 'openIdConnectSecurityScheme',
  mutualTLS: 'mtlsSecurityScheme',
};

const mapValues = (value: unknown, map: (entry: unknown) => unknown): Json | undefined =>
  isObject(value)
    ? Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, map(entry)]))
    : undefined;

function upgradeScheme(scheme: unknown): unknown {
  if (!isObject(scheme) || typeof scheme.type !== 'string') return scheme;
  const { type, in: location, flows, ...rest } = scheme;
  const wrapper = SCHEME_WRAPPERS[type];
  if (!wrapper) return scheme;
  const body: Json = { ...rest };
  if (location !== undefined) body.location = location;
  if (isObject(flows)) {
    // 1.0 carries one flow; a 0.3 card listing several keeps the first.
    const [name, flow] = Object.entries(flows)[0] ?? [];
    if (name) body.flows = { [name]: flow };
  }
  return { [wrapper]: body };
}

function downgradeScheme(scheme: unknown): unknown {
  if (!isObject(scheme)) return scheme;
  const entry = Object.entries(SCHEME_WRAPPERS).find(([, wrapper]) => isObject(scheme[wrapper]));
  if (!entry) return scheme;
  const { location, ...rest } = scheme[entry[1]] as Json;
  return { type: entry[0], ...(location !== undefined ? { in: location } : {}), ...rest };
}

const upgradeRequirements = (security: unknown): unknown =>
  Array.isArray(security)
    ? security.map((requirement) => ({
        schemes: mapValues(requirement, (scopes) => ({ list: scopes })) ?? {},
      }))
    : undefined;

const downgradeRequirements = (requirements: unknown): unknown =>
  Array.isArray(requirements)
    ? requirements.map(
        (requirement) =>
          mapValues(isObject(requirement) ? requirement.schemes : undefined, (scopes) =>
            isObject(scopes) ? scopes.list : scopes,
          ) ?? {},
      )
    : undefined;

function withDefined(target: Json, fields: Json): Json {
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) target[key] = value;
  return target;
}

/** "0.3.0" → "0.3": 1.0 interfaces name the minor version. */
const minorVersion = (version: unknown): string =>
  typeof version === 'string' ? version.split('.').slice(0, 2).join('.') : '0.3';

export function upgradeCard(card: Json): Json {
  const {
    protocolVersion,
    url,
    preferredTransport,
    additionalInterfaces,
    supportsAuthenticatedExtendedCard,
    securitySchemes,
    security,
    capabilities,
    skills,
    ...rest
  } = card;
  const version = minorVersion(protocolVersion);
  const binding = typeof preferredTransport === 'string' ? preferredTransport : 'JSONRPC';
  const others = (Array.isArray(additionalInterfaces) ? additionalInterfaces : [])
    .filter(isObject)
    .filter((entry) => !(entry.url === url && entry.transport === binding))
    .map((entry) => ({
      url: entry.url,
      protocolBinding: entry.transport,
      protocolVersion: version,
    }));
  return withDefined(
    {
      ...rest,
      supportedInterfaces: [{ url, protocolBinding: binding, protocolVersion: version }, ...others],
      capabilities: {
        ...(isObject(capabilities) ? capabilities : {}),
        ...(supportsAuthenticatedExtendedCard === true ? { extendedAgentCard: true } : {}),
      },
      skills: Array.isArray(skills)
        ? skills.map((skill: Json) => {
            const { security: skillSecurity, ...skillRest } = skill;
            return withDefined(skillRest, {
              securityRequirements: upgradeRequirements(skillSecurity),
            });
          })
        : skills,
    },
    {
      securitySchemes: mapValues(securitySchemes, upgradeScheme),
      securityRequirements: upgradeRequirements(security),
    },
  );
}

export function downgradeCard(card: Json): Json {
  const {
    supportedInterfaces,
    securitySchemes,
    securityRequirements,
    capabilities,
    skills,
    ...rest
  } = card;
  const interfaces = (Array.isArray(supportedInterfaces) ? supportedInterfaces : []).filter(
    isObject,
  );
  const [preferred] = interfaces;
  const { extendedAgentCard, ...otherCapabilities } = isObject(capabilities) ? capabilities : {};
  return withDefined(
    {
      ...rest,
      protocolVersion: '0.3.0',
      url: preferred?.url,
      preferredTransport: preferred?.protocolBinding,
      capabilities: otherCapabilities,
      skills: Array.isArray(skills)
        ? skills.map((skill: Json) => {
            const { securityRequirements: skillRequirements, ...skillRest } = skill;
            return withDefined(skillRest, { security: downgradeRequirements(skillRequirements) });
          })
        : skills,
    },
    {
      additionalInterfaces:
        interfaces.length > 1
          ? interfaces.map((entry) => ({ url: entry.url, transport: entry.protocolBinding }))
          : undefined,
      supportsAuthenticatedExtendedCard: extendedAgentCard === true ? true : undefined,
      securitySchemes: mapValues(securitySchemes, downgradeScheme),
      security: downgradeRequirements(securityRequirements),
    },
  );
}
