// A real OpenID provider for the tests, as a council's would be: oidc-provider (certified),
// its own sign-in pages (any login name; the password field is not checked), one client.
// Usage: node provider.mjs PORT REDIRECT_URI CLIENT_SECRET
// Each login name's groups: "GROUPS_<name>" in the environment, comma-separated.
import Provider from 'oidc-provider';

const [port, redirectUri, secret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'sfclaims',
    client_secret: secret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'groups'], email: ['email'] },
  conformIdTokenClaims: false, // the groups in the ID token, as Entra ID puts them there
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const groups = (process.env[`GROUPS_${id}`] || '').split(',').filter(Boolean);
        return { sub: id, preferred_username: id, email: `${id}@council.example`, groups };
      },
    };
  },
});
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
