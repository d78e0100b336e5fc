// A real OpenID Connect provider on loopback for the sign-in tests: panva's oidc-provider (OpenID
// Certified), with its built-in development login form. Anyone may sign in with any password; the
// login name is the account's email, and a name written "unverified:someone@example.org" signs in
// as someone@example.org with email_verified=false.
//
// Started by tests/test_oidc.py: node provider.mjs, configured through the environment:
//   OIDC_PORT           port on 127.0.0.1
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//   OIDC_REDIRECT_URIS  comma-separated: every Bridgeboard's https?://host:port/oauth2callback
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = process.env.OIDC_REDIRECT_URIS.split(',').filter(Boolean);

function identity(login) {
  const unverified = login.startsWith('unverified:');
  const email = (unverified ? login.slice('unverified:'.length) : login).trim().toLowerCase();
  return { email, email_verified: !unverified, name: email.split('@')[0] };
}

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: redirectUris,
    // Streamlit sends the browser back to its redirect URI after the provider's logout
    post_logout_redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Streamlit (Authlib) reads the identity from the ID token, so the scope's claims go in it
  conformIdTokenClaims: false,
  cookies: { keys: [process.env.OIDC_CLIENT_SECRET] },
  features: { devInteractions: { enabled: true } },
  // the app is first-party: no consent screen, the grant covers what it asks for
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, ...identity(sub) };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
