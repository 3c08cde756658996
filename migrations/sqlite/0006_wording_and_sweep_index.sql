-- Clearer wording of the seeded description of product_news, in each language.
UPDATE category_texts SET description = 'New products, and news about the ones you know.'
    WHERE category = 'product_news' AND language = 'en' AND description = 'New products and what is new in ours.';
UPDATE category_texts SET description = 'Productos nuevos y novedades de los que ya conoces.'
    WHERE category = 'product_news' AND language = 'es' AND description = 'Productos nuevos y novedades de los nuestros.';
UPDATE category_texts SET description = 'Produtos novos e novidades dos que você já conhece.'
    WHERE category = 'product_news' AND language = 'pt' AND description = 'Produtos novos e novidades dos nossos.';

-- The periodic sweep of old throttle windows deletes by time: an index, not a scan.
CREATE INDEX throttle_hits_window ON throttle_hits (window_start);
