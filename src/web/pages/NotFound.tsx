import { Layout } from '../components/Layout';
import { useDocumentTitle } from '../lib/hooks';
import { Link } from '../lib/router';

export const NotFound = () => {
  useDocumentTitle('Страница не найдена');
  return (
    <Layout>
      <div class="container narrow">
        <div class="card">
          <h1>Страница не найдена</h1>
          <p>Возможно, ссылка устарела или в адресе опечатка.</p>
          <Link href="/" class="btn btn-primary btn-block">
            На главную
          </Link>
        </div>
      </div>
    </Layout>
  );
};
