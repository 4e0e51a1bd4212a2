import { graphql } from '../../gql';
import { createAnonymousClient } from '../../api/client';
import { LoginForm } from '../../login';
import { describeError } from '../../ui/states';

const UserLoginMutation = graphql(`
  mutation ConsoleUserLogin($username: String!, $password: String!) {
    userLogin(username: $username, password: $password) {
      token
      expiresAt
      account {
        shortName
      }
    }
  }
`);

/** A mail user's login (role USER) at /me: the mail password or an app password. */
export function UserLogin({ notice }: { notice?: string }) {
  return (
    <LoginForm
      title="Your mail account"
      intro="Log in with your mail address and password to change your password, vacation reply, filters and junk mail settings."
      usernameLabel="Address or user name"
      initialUsername=""
      other={{ href: '/', text: 'Administrators log in here' }}
      notice={notice}
      logIn={async (username, password) => {
        const result = await createAnonymousClient().mutation(UserLoginMutation, { username, password }).toPromise();
        if (result.error || !result.data) return { failure: result.error ? describeError(result.error) : { code: 'ERROR', message: 'no answer' } };
        const login = result.data.userLogin;
        return { session: { token: login.token, username: login.account.shortName, role: 'USER', expiresAt: login.expiresAt } };
      }}
    />
  );
}
